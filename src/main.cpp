#include "cli/app.h"

int main(int argc, char** argv) { return drover::cli::run(argc, argv); }
