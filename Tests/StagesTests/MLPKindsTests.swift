import Testing
@testable import Stages

@Suite("MLP stage kinds")
struct MLPKindsTests {
    @Test func everyKindHasItsSourcesAndAStableName() {
        let names = TopicAKinds.all.map { $0.name }
        #expect(names == ["init-mlps", "permute-models", "train-teacher", "teacher-logits", "distill", "evaluate"])
        for kind in TopicAKinds.all {
            let code = kind.code  // a path that is not a Stages source traps here
            #expect(code.files.keys.contains { $0.hasSuffix("Numerics/Tensor.swift") }, "\(kind.name)")
            #expect(!kind.outputs.isEmpty && !kind.summary.isEmpty)
        }
        #expect(Distill.code.files.keys.contains("Sources/Stages/MLP/Distill.swift"))
        #expect(TrainTeacher.code.files.keys.contains("Sources/Stages/Numerics/CrossEntropy.swift"))
    }
}
