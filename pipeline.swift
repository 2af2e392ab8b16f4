// The experiments: targets and their DAG, compiled into `pipe`.
import Pipeline
import Stages

/// Defines every stage and target; settings come from `pipe ... --set key=value`.
func definePipeline(_ p: PipelineBuilder) throws {
}
