# Fig. 4: bounds for Binomial(100, 0.1), M = 8, against gamma, with the
# Lagrangian converse and the exact d* (branch-and-bound) added.
load 'tools/figures/common.gp'
set output 'figures/fig4.'.format
file = data.'/fig4_binomial_p01.csv'
exact = data.'/fig4_exact.csv'
set title 'Fig. 4: bounds for Binomial(100, 0.1), M = 8, Example 2'
set xlabel '{/Symbol g}'
set ylabel 'bits'
set key top right
certified(x) = strcol('exact_certified') eq 'true' ? x : 1/0
open_gap(x) = strcol('exact_certified') eq 'false' ? x : 1/0
plot file using 'gamma':'converse' with lines ls 1 title 'converse (17)', \
     file using 'gamma':'converse_lagrangian' with lines ls 6 title 'Lagrangian converse', \
     file using 'gamma':'achievability_28' with lines ls 2 title 'achievability (28)', \
     file using 'gamma':'achievability_23' with lines ls 4 title '(23)', \
     file using 'gamma':'achievability_22' with lines ls 3 title '(22)', \
     file using 'gamma':'achievability_optimised_fx' with lines ls 5 title '(28), optimised F_X', \
     exact using 'gamma':(certified(column('exact'))) with points pt 7 ps 1 lc rgb '#000000' title 'exact d* (certified)', \
     exact using 'gamma':(open_gap(column('exact'))):'exact_lower_bound':'exact' with yerrorbars pt 6 lc rgb '#000000' title 'd* interval (node limit)'
