# Fig. 2: the exact d*(2; gamma) of Example 1.
load 'tools/figures/common.gp'
set output 'figures/fig2.'.format
set title 'Fig. 2: exact d*(2; {/Symbol g}) for Example 1'
set xlabel '{/Symbol g}'
set ylabel 'd*(2; {/Symbol g}) [bits]'
set key top right
plot data.'/fig2_uniform.csv' using 'gamma':'exact' with lines ls 2 title 'R_{X_1} = [1/3, 1/3, 1/3]', \
     data.'/fig2_skewed.csv' using 'gamma':'exact' with lines ls 3 title 'R_{X_2} = [2/3, 1/4, 1/12]'
