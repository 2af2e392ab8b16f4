import Testing
@testable import pipe

@Test func placeholderpipe() { #expect(true) }
