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
set title 'Example 1, M = 1'
sel(m, g, v) = (column('M') == m && column('gamma') == g) ? v : 1/0
gam(i) = i == 1 ? 0 : i == 2 ? 1 : 4
plot for [i = 1:3] data.'/fig6_uniform.csv' using 'D':(sel(1, gam(i), column('epsilon'))) \
       with steps lc rgb '#d62728' lw 2 dt i title sprintf('R_{X_1}, {/Symbol g} = %d', gam(i)), \
     for [i = 1:3] data.'/fig6_skewed.csv' using 'D':(sel(1, gam(i), column('epsilon'))) \
       with steps lc rgb '#1f77b4' lw 2 dt i title sprintf('R_{X_2}, {/Symbol g} = %d', gam(i))
set title 'Blocks of n letters, P(1) = 0.11, M = 2^{n/2}, {/Symbol g} = 1'
set xlabel 'D / n [bits per letter]'
set xrange [0:0.6]
plot for [n in '1 2 4 8 16'] data.'/fig6_iid_n'.n.'.csv' using (column('D') / n):'epsilon' \
     with steps lw 2 title 'n = '.n
unset multiplot
