import Pipeline

// The Stages files behind each kind's code fingerprint: its own file plus the shared files below.
// Listing a file that cannot change a kind's result only costs a needless rerun; missing one that
// can would serve stale results, so the groups err on the side of including.
// The AVX-512 kernels of Sources/CKernels are not hashed (the plugin sees this target's Swift
// files only): each must give, bit for bit, what the Swift loop in Numerics/ that defines it
// gives, and FusedKernelTests checks that, so a kernel edit that changed a result fails a test
// instead of being served from a stale key.

enum KindSources {
    /// Tensor, RNG, BLAS and the elementwise kernels every training or inference stage runs.
    static var numerics: CodeFingerprint {
        sourceFingerprint("Numerics/Tensor.swift", "Numerics/RNG.swift", "Numerics/Shuffle.swift",
                          "Numerics/BLAS.swift", "Numerics/CPUFeatures.swift", "Numerics/Activations.swift",
                          "Numerics/Softmax.swift", "Numerics/CrossEntropy.swift", "Numerics/KLDivergence.swift",
                          "Numerics/Adam.swift", "Numerics/VectorMath.swift", "Numerics/Reductions.swift",
                          "Numerics/Pixels.swift", "Numerics/HugePageBytes.swift", "Numerics/HugePagePool.swift",
                          "Numerics/NarrowLayerKernels.swift")
    }

    /// Artifact formats and the forward/backward passes.
    static var model: CodeFingerprint {
        sourceFingerprint("MLP/MLPShape.swift", "MLP/TrainingState.swift", "MLP/ByteCoding.swift",
                          "MLP/Workspace.swift", "MLP/MLPPass.swift", "MLP/ModelScheduler.swift",
                          "MLP/Lineage.swift", "MNIST/LabeledImages.swift")
    }

    /// Distillation data, teacher logits and the training loop.
    static var training: CodeFingerprint {
        sourceFingerprint("MLP/TrainingLoop.swift", "MLP/Objectives.swift", "MLP/DistillationData.swift",
                          "MLP/DistillationImages.swift", "MLP/TeacherLogits.swift", "MLP/LogitSelection.swift",
                          "MLP/Inference.swift")
    }

    /// The given fingerprints' files together.
    static func combined(_ parts: CodeFingerprint...) -> CodeFingerprint {
        CodeFingerprint(files: parts.reduce(into: [:]) { $0.merge($1.files) { a, _ in a } })
    }
}
