#include "focalrd/result.hpp"

#include <stdexcept>

#include "focalrd/errors.hpp"
#include "focalrd/focal_loss.hpp"

namespace focalrd {

double code_distortion(const std::vector<double>& r, const Code& code, double gamma) {
  std::vector<int> seen(r.size(), 0);
  double total = 0.0;
  for (const Cell& cell : code.cells) {
    if (cell.symbols.size() != cell.pmf.size())
      throw invalid_input("a cell lists " + std::to_string(cell.symbols.size()) + " symbols but " +
                          std::to_string(cell.pmf.size()) + " masses");
    std::vector<double> rc;
    for (std::size_t a : cell.symbols) {
      if (a >= r.size() || seen[a]++)
        throw invalid_input("symbol " + std::to_string(a) + " is out of range or in two cells");
      rc.push_back(r[a]);
    }
    total += cell_distortion(rc.data(), cell.pmf.data(), rc.size(), gamma);
  }
  for (std::size_t a = 0; a < r.size(); ++a)
    if (!seen[a]) throw invalid_input("symbol " + std::to_string(a) + " is in no cell");
  return total;
}

}  // namespace focalrd
