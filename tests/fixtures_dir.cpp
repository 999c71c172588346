#include "fixtures_dir.h"

const char* drover_fixtures_dir() { return DROVER_FIXTURES_DIR; }
