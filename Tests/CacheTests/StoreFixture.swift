import Foundation
@testable import Cache

