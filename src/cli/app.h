#pragma once
// Entry point of the command-line interface: parse, run the command, map the result
// to an exit code.

namespace drover::cli {

int run(int argc, char** argv);

}  // namespace drover::cli
