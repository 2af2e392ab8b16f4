import Pipeline

/// The code fingerprint of the listed Stages source files (paths relative to Sources/Stages).
///
/// Digests come from SourceDigests, which the SourceFingerprintPlugin writes at build time, so
/// they describe the code in this binary. A path that is not a source of Stages is a programmer
/// error, caught by StagesTests.testEveryKindHasItsSources.
func sourceFingerprint(_ paths: String...) -> CodeFingerprint {
    CodeFingerprint(selecting: paths, in: SourceDigests.directory, from: SourceDigests.files)
}
