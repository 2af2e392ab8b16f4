import Testing
@testable import Stages

@Test func placeholderStages() { #expect(true) }
