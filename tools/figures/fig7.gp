# Fig. 7 (beyond the paper): the exact d*(2; gamma) of Example 1's sources,
# continued to negative gamma, with the Lagrangian converse (dashed), the
# one lower bound proved there too.
load 'tools/figures/common.gp'
set output 'figures/fig7.'.format
set title 'Fig. 7: exact d*(2; {/Symbol g}) for Example 1, {/Symbol g} from -3 to 4'
set xlabel '{/Symbol g}'
set ylabel 'd*(2; {/Symbol g}) [bits]'
set logscale y
set key top right
plot data.'/fig7_uniform.csv' using 'gamma':'exact' with lines ls 2 dt 1 title 'R_{X_1} = [1/3, 1/3, 1/3]', \
     data.'/fig7_uniform.csv' using 'gamma':'converse_lagrangian' with lines ls 2 dt 3 title 'R_{X_1}: Lagrangian converse', \
     data.'/fig7_skewed.csv' using 'gamma':'exact' with lines ls 3 dt 1 title 'R_{X_2} = [2/3, 1/4, 1/12]', \
     data.'/fig7_skewed.csv' using 'gamma':'converse_lagrangian' with lines ls 3 dt 3 title 'R_{X_2}: Lagrangian converse'
