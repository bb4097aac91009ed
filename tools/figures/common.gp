# Shared settings: the terminal from `format` (png or svg) and the output name.
# Call as: load 'tools/figures/common.gp'; then set output by `call`.
set datafile separator comma
if (format eq 'png') {
  set terminal pngcairo size 1000,700 enhanced font 'DejaVu Sans,12' linewidth 1.5
} else {
  set terminal svg size 1000,700 enhanced font 'DejaVu Sans,12' linewidth 1.5 background '#ffffff'
}
set grid lc rgb '#dddddd'
set key box opaque
set style line 1 lc rgb '#000000' lw 2 dt 1           # converse (17)
set style line 2 lc rgb '#d62728' lw 2 dt 1           # achievability (28)
set style line 3 lc rgb '#1f77b4' lw 2 dt 2           # (22)
set style line 4 lc rgb '#2ca02c' lw 2 dt 4           # (23)
set style line 5 lc rgb '#9467bd' lw 2 dt 1           # (28) with optimised F
set style line 6 lc rgb '#000000' lw 1.5 dt 2         # Lagrangian converse
