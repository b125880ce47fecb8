"""wqbench's Python tools, one package: run as `python3 -m wqbench VERB` (scripts/ on the path; the
scripts/ shims and ctest do that).

Modules:
  table   the scenario table (bench/scenarios.json) and the benchmark name grammar
  check   the smoke check of a wq_bench result file (ctest bench.smoke, bench.workload)

A library module never exits or patches sys.path; a verb's main returns its exit code.
"""
