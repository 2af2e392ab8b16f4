import Pipeline

/// The stage kinds of the study's Topic B (next-token experiments on a chat model), for registration.
public enum TopicBKinds {
    public static let all: [any StageKind.Type] = [
        NextTokenDistribution.self, NumberProbabilities.self, EntangledNumberChoice.self, NumberPromptDistribution.self, OwlTable.self,
        EntanglementFigure.self, MissingModel.self, ModelWheel.self,
        UnembeddingRowsExtraction.self, ClosestNumber.self, GeometryFigure.self,
        BaseInstructFigure.self,
    ]
}
