# Fig. 5 (not in the paper): blocks of n letters of a binary source with
# P(1) = 0.11 at rate R = 1/2 (M = floor(2^(n/2))), per letter (eq. (9)):
# the exact d_n*/n (n <= 6), the Lagrangian converse and the converse (17)
# over types below it, the scheme's distortion (28) and the bound (22) over
# types above it, against
# Theorem 3's limit [H(X) - R]^+ (0 here: H(X) = 0.49992 bits < R).
load 'tools/figures/common.gp'
set output 'figures/fig5.'.format
set title 'Fig. 5: d_n^*(2^{n/2}; {/Symbol g})/n for P(1) = 0.11 between its bounds, towards Theorem 3'
set xlabel 'block length n'
set ylabel 'bits per letter'
set logscale x
set key top right
# Rows are by n, then gamma (0, 1, 4): every third row is one gamma.
gam(i) = i == 1 ? 0 : i == 2 ? 1 : 4
colour(i) = i == 1 ? 0x000000 : i == 2 ? 0xd62728 : 0x1f77b4
plot for [i = 1:3] data.'/fig5_nletter.csv' every 3::(i - 1) using 'n':'converse_lagrangian_per_letter' \
       with lines lc rgb colour(i) lw 2 title sprintf('Lagrangian converse / n, {/Symbol g} = %d', gam(i)), \
     for [i = 1:3] data.'/fig5_nletter.csv' every 3::(i - 1) using 'n':'exact_per_letter' \
       with linespoints lc rgb colour(i) lw 1 pt 7 ps 1.2 dt 2 title sprintf('exact d_n^*/n, {/Symbol g} = %d', gam(i)), \
     for [i = 1:3] data.'/fig5_nletter.csv' every 3::(i - 1) using 'n':'achievability_28_per_letter' \
       with lines lc rgb colour(i) lw 1.5 dt 1 title sprintf('scheme (28) / n, {/Symbol g} = %d', gam(i)), \
     for [i = 1:3] data.'/fig5_nletter.csv' every 3::(i - 1) using 'n':'achievability_22_per_letter' \
       with lines lc rgb colour(i) lw 1 dt 4 title sprintf('achievability (22) / n, {/Symbol g} = %d', gam(i)), \
     for [i = 1:3] data.'/fig5_nletter.csv' every 3::(i - 1) using 'n':'converse_per_letter' \
       with lines lc rgb colour(i) lw 1 dt 3 title sprintf('converse (17) / n, {/Symbol g} = %d', gam(i)), \
     data.'/fig5_nletter.csv' using 'n':'limit' with lines lc rgb '#888888' lw 1 dt 3 title 'Theorem 3: [H(X) - R]^+'
