/// Arithmetic on the sizes, offsets and counts read from a file, which may hold anything: each answer is nil
/// where a value is negative, a sum or product would overflow, or a range runs past the file, so a reader
/// can refuse the file with a sentence instead of trapping.
public enum FileArithmetic {
    /// The number of elements of `shape`, provided every extent is non-negative and the elements take at
    /// most `byteLimit` bytes at `elementSize` bytes each.
    public static func elementCount(of shape: [Int], elementSize: Int = 1, byteLimit: Int = Int.max) -> Int? {
        var count = 1
        for extent in shape {
            guard extent >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            guard !overflow else { return nil }
            count = product
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: max(elementSize, 1))
        return overflow || bytes > byteLimit ? nil : count
    }

    /// `start ..< start + length`, provided it lies within `0 ..< size`.
    public static func range(start: Int, length: Int, within size: Int) -> Range<Int>? {
        guard start >= 0, length >= 0, start <= size, length <= size - start else { return nil }
        return start..<(start + length)
    }

    /// `start ..< end`, provided `start ≤ end` and it lies within `0 ..< size`.
    public static func range(start: Int, end: Int, within size: Int) -> Range<Int>? {
        guard start >= 0, start <= end, end <= size else { return nil }
        return start..<end
    }
}
