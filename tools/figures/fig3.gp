# Fig. 3: bounds for Binomial(100, 0.5) against M, one panel per gamma.
load 'tools/figures/common.gp'
set output 'figures/fig3.'.format
file = data.'/fig3_binomial_p05.csv'
set multiplot layout 2,2 title 'Fig. 3: bounds for Binomial(100, 0.5), Example 2' font ',14'
set logscale x 2
set xrange [2:64]
set xlabel 'M'
set ylabel 'bits'
set key top right font ',9' spacing 0.9
gammas = '0.1 1 2 4'
do for [i=1:4] {
  g = real(word(gammas, i))
  set title sprintf('{/Symbol g} = %s', word(gammas, i))
  plot file using ($4 == g ? $3 : 1/0):'converse' with lines ls 1 title 'converse (17)', \
       file using ($4 == g ? $3 : 1/0):'achievability_28' with lines ls 2 title 'achievability (28)', \
       file using ($4 == g ? $3 : 1/0):'achievability_23' with lines ls 4 title '(23)', \
       file using ($4 == g ? $3 : 1/0):'achievability_22' with lines ls 3 title '(22)', \
       file using ($4 == g ? $3 : 1/0):'achievability_optimised_fx' with lines ls 5 title '(28), optimised F_X'
}
unset multiplot
