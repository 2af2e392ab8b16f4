import Pipeline

/// The stage kinds of the study's Topic A (MNIST subliminal learning), for registration.
public enum TopicAKinds {
    public static let all: [any StageKind.Type] = [
        InitMLPs.self, PermuteModels.self, TrainTeacher.self, ComputeTeacherLogits.self, Distill.self,
        Evaluate.self,
    ]
}
