// The experiments: targets and their DAG.
