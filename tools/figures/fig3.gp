# Fig. 3: bounds for Binomial(100, 0.5) against M, one panel per gamma, with
# the Lagrangian converse and the exact d* (branch-and-bound) added.
load 'tools/figures/common.gp'
set output 'figures/fig3.'.format
file = data.'/fig3_binomial_p05.csv'
exact = data.'/fig3_exact.csv'
set multiplot layout 2,2 title 'Fig. 3: bounds for Binomial(100, 0.5), Example 2' font ',14'
set logscale x 2
set xrange [2:64]
set xlabel 'M'
set ylabel 'bits'
set key top right font ',9' spacing 0.9
gammas = '0.1 1 2 4'
certified(g) = (column('gamma') == g && strcol('exact_certified') eq 'true') ? column('exact') : 1/0
open_gap(g) = (column('gamma') == g && strcol('exact_certified') eq 'false') ? column('exact') : 1/0
do for [i=1:4] {
  g = real(word(gammas, i))
  set title sprintf('{/Symbol g} = %s', word(gammas, i))
  plot file using ($4 == g ? $3 : 1/0):'converse' with lines ls 1 title 'converse (17)', \
       file using ($4 == g ? $3 : 1/0):'converse_lagrangian' with lines ls 6 title 'Lagrangian converse', \
       file using ($4 == g ? $3 : 1/0):'achievability_28' with lines ls 2 title 'achievability (28)', \
       file using ($4 == g ? $3 : 1/0):'achievability_23' with lines ls 4 title '(23)', \
       file using ($4 == g ? $3 : 1/0):'achievability_22' with lines ls 3 title '(22)', \
       file using ($4 == g ? $3 : 1/0):'achievability_optimised_fx' with lines ls 5 title '(28), optimised F_X', \
       exact using 'M':(certified(g)) with points pt 7 ps 0.9 lc rgb '#000000' title 'exact d* (certified)', \
       exact using 'M':(open_gap(g)):'exact_lower_bound':'exact' with yerrorbars pt 6 lc rgb '#000000' title 'd* interval (node limit)'
}
unset multiplot
