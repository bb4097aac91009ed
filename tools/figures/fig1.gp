# Fig. 1: h_gamma(|X|) of eq. (15) against |X|, with the bound (16).
load 'tools/figures/common.gp'
set output 'figures/fig1.'.format
set title 'Fig. 1: h_{/Symbol g}(|X|), eq. (15), and the bound (16) (dashed)'
set xlabel '|X|'
set ylabel 'bits'
set logscale x
set xrange [2:100]
set key top left
set yrange [0:*]
file = data.'/fig1_hgamma.csv'
gammas = '0.5 1 2 4 8'
colors = '#1f77b4 #ff7f0e #2ca02c #d62728 #9467bd'
plot for [i=1:5] file using ($2 == real(word(gammas, i)) ? $1 : 1/0):4 with lines lw 2 \
       lc rgb word(colors, i) title sprintf('{/Symbol g} = %s', word(gammas, i)), \
     for [i=1:5] file using ($2 == real(word(gammas, i)) ? $1 : 1/0):5 with lines lw 1 dt 2 \
       lc rgb word(colors, i) notitle
