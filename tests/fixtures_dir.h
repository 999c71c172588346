#pragma once
// The repository's fixtures/ directory, for tests that read recorded transcripts. Defined
// in one small file (fixtures_dir.cpp), the only one compiled with the clone's absolute
// path: every other test file compiles the same in every clone, and ccache serves them all.
const char* drover_fixtures_dir();
