# Fig. 6 (not in the paper): the least excess-distortion probability
# epsilon*(M, D; gamma) (focalrd excess), for Example 1's sources and for
# blocks of a binary source as the block length n grows at rate 1/2.
load 'tools/figures/common.gp'
set output 'figures/fig6.'.format
set multiplot layout 1,2 title 'Fig. 6: excess distortion {/Symbol e}*(M, D; {/Symbol g}) = min P[d(X; g(f(X))) > D]'
set key top right
set xlabel 'D [bits]'
set ylabel '{/Symbol e}*'
set yrange [-0.02:1.02]
set title 'Example 1, {/Symbol g} = 1'
sel(m, g, v) = (column('M') == m && column('gamma') == g) ? v : 1/0
plot data.'/fig6_uniform.csv' using 'D':(sel(1, 1, column('epsilon'))) with steps ls 2 title 'R_{X_1}, M = 1', \
     data.'/fig6_uniform.csv' using 'D':(sel(2, 1, column('epsilon'))) with steps ls 2 dt 2 title 'R_{X_1}, M = 2', \
     data.'/fig6_skewed.csv' using 'D':(sel(1, 1, column('epsilon'))) with steps ls 3 dt 1 title 'R_{X_2}, M = 1', \
     data.'/fig6_skewed.csv' using 'D':(sel(2, 1, column('epsilon'))) with steps ls 3 title 'R_{X_2}, M = 2'
set title 'Blocks of n letters, P(1) = 0.11, M = 2^{n/2}, {/Symbol g} = 1'
set xlabel 'D / n [bits per letter]'
plot for [n in '1 2 4 8 16'] data.'/fig6_iid_n'.n.'.csv' using (column('D') / n):'epsilon' \
     with steps lw 2 title 'n = '.n
unset multiplot
