// The float front end's constant tables (window, FFT twiddles and bit
// reversal, mel filterbank, DCT) for the model compiled into the image,
// computed on the build machine by tools/frontend_tables with the pipeline's
// own code and compiled into flash (see CMakeLists.txt). Null when the model's
// front end has no such tables (features 'micro'). Frontend::init() refuses
// them if the model's front-end parameters differ from theirs.
#pragma once

#include "pipeline/frontend.h"

extern const kws::FrontendTables* const kws_frontend_tables;
