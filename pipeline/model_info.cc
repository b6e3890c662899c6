#include "pipeline/model_info.h"
// Implemented by the pipeline owner.
