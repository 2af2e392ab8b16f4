/// x (count) = (p / 255 - 0.5) / 0.5 for bytes p (count): torchvision's ToTensor then
/// Normalize((0.5,), (0.5,)), so images lie in [-1, 1]. Computed as 2 * (p / 255) - 1, which is
/// the same Float (scaling by 2 commutes with rounding).
@inline(__always)
func normalizePixels(_ p: UnsafePointer<UInt8>, _ x: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { x[i] = 2 * (Float(p[i]) / 255) - 1 }
}
