import SciDLLanguageModel
import SciDLTensor
import XCTest

/// How far a value may be from its reference, element by element: |a − b| ≤ absolute + relative · |b|
/// + ofLargest · (the largest |b| of the vector it belongs to). The last term is for a residual stream whose
/// values span five orders of magnitude: float32 sums over its large values leave errors in its small ones
/// that scale with the large ones, not with themselves.
///
/// Each reference test sets its tolerance near three times the worst difference measured against the
/// reference (`Difference.worst` prints it), and says which.
public struct Tolerance: CustomStringConvertible, Sendable {
    public var absolute: Double
    public var relative: Double
    public var ofLargest: Double

    public init(absolute: Double, relative: Double, ofLargest: Double = 0) {
        (self.absolute, self.relative, self.ofLargest) = (absolute, relative, ofLargest)
    }

    public func allows(_ a: Float, _ b: Float, largest: Double = 0) -> Bool {
        abs(Double(a) - Double(b)) <= absolute + relative * abs(Double(b)) + ofLargest * largest
    }

    public var description: String {
        "\(absolute) + \(relative)·|reference|" + (ofLargest > 0 ? " + \(ofLargest)·max|reference|" : "")
    }
}

/// The worst differences between values and their reference, split the way a `Tolerance` is: the absolute
/// difference where the reference is below 1 in size, the relative one where it is 1 or more.
public struct Difference: CustomStringConvertible, Sendable {
    public private(set) var absolute = 0.0
    public private(set) var relative = 0.0
    /// The worst difference relative to its vector's largest |reference|.
    public private(set) var ofLargest = 0.0

    public init() {}

    public mutating func include<A: Collection<Float>, B: Collection<Float>>(_ actual: A, _ expected: B) {
        let largest = expected.reduce(0.0) { max($0, abs(Double($1))) }
        for (a, b) in zip(actual, expected) {
            let d = abs(Double(a) - Double(b))
            if abs(b) < 1 { absolute = max(absolute, d) } else { relative = max(relative, d / Double(abs(b))) }
            if largest > 0 { ofLargest = max(ofLargest, d / largest) }
        }
    }

    public var description: String {
        String(
            format: "worst %.2g absolute (|ref| < 1), %.2g relative, %.2g of the vector's largest", absolute, relative,
            ofLargest)
    }
}

/// Asserts every element of `actual` is within `tolerance` of `expected`, naming the first that is not.
/// Adds the differences to `worst` for the test to report.
public func assertClose<A: Collection<Float>, B: Collection<Float>>(
    _ actual: A, _ expected: B, _ tolerance: Tolerance, _ what: @autoclosure () -> String,
    worst: inout Difference, file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(actual.count, expected.count, "\(what()): sizes", file: file, line: line)
    worst.include(actual, expected)
    let largest = expected.reduce(0.0) { max($0, abs(Double($1))) }
    for (k, (a, b)) in zip(actual, expected).enumerated() where !tolerance.allows(a, b, largest: largest) {
        XCTFail("\(what()) element \(k): \(a) vs reference \(b), beyond \(tolerance)", file: file, line: line)
        return
    }
}

/// Compares a model's hidden states of `texts` at named sites, at the last token and averaged over tokens,
/// with a reference's: `expected(position, text index, site name)`. Small batches on purpose, so several
/// texts share a batch and there is more than one batch.
public func assertHiddenStatesMatch(
    _ model: any LanguageModel, texts: [String], siteNames: [String], tokensPerBatch: Int,
    expected: (TokenPosition, Int, String) throws -> [Float], _ tolerance: Tolerance, worst: inout Difference,
    file: StaticString = #filePath, line: UInt = #line
) throws {
    let sites = try siteNames.map { name in try XCTUnwrap(ActivationSite(name: name), name) }
    for position in [TokenPosition.last, .mean] {
        let states = try model.hiddenStates(
            of: texts, sites: sites, position: position, tokensPerBatch: tokensPerBatch)
        for i in texts.indices {
            for (j, name) in siteNames.enumerated() {
                let offset = (i * sites.count + j) * model.width
                assertClose(
                    states.scalars[offset..<(offset + model.width)], try expected(position, i, name), tolerance,
                    "\(position) \(name) of \(texts[i].prefix(40).debugDescription)", worst: &worst,
                    file: file, line: line)
            }
        }
    }
}
