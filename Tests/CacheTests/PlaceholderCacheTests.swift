import Testing
@testable import Cache

@Test func placeholderCache() { #expect(true) }
