# Fig. 4: bounds for Binomial(100, 0.1), M = 8, against gamma.
load 'tools/figures/common.gp'
set output 'figures/fig4.'.format
file = data.'/fig4_binomial_p01.csv'
set title 'Fig. 4: bounds for Binomial(100, 0.1), M = 8, Example 2'
set xlabel '{/Symbol g}'
set ylabel 'bits'
set key top right
plot file using 'gamma':'converse' with lines ls 1 title 'converse (17)', \
     file using 'gamma':'achievability_28' with lines ls 2 title 'achievability (28)', \
     file using 'gamma':'achievability_23' with lines ls 4 title '(23)', \
     file using 'gamma':'achievability_22' with lines ls 3 title '(22)', \
     file using 'gamma':'achievability_optimised_fx' with lines ls 5 title '(28), optimised F_X'
