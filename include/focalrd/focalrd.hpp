// focalrd: lossy source coding under the focal loss. The umbrella header.
#pragma once

#include "focalrd/bounds.hpp"
#include "focalrd/cell_solver.hpp"
#include "focalrd/focal_loss.hpp"
#include "focalrd/partition.hpp"
#include "focalrd/problem.hpp"
#include "focalrd/report.hpp"
#include "focalrd/result.hpp"
#include "focalrd/search.hpp"
#include "focalrd/source.hpp"
#include "focalrd/sweep.hpp"
#include "focalrd/tolerances.hpp"
#include "focalrd/units.hpp"
