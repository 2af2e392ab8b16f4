import Testing
@testable import Pipeline

@Test func placeholderPipeline() { #expect(true) }
