/// A string compared and hashed by its UTF-8 bytes. Swift's `String` equality is canonical equivalence
/// ("é" == "e\u{301}"), but a vocabulary holds both spellings as different tokens, and the reference tokenizers
/// (SentencePiece, Hugging Face, llama.cpp) match bytes: a vocabulary keyed by `String` would merge "e" and
/// U+0301 into the precomposed "é" token and drop one of two canonically equal tokens.
struct ExactString: Hashable, Sendable {
    let value: String

    init(_ value: String) { self.value = value }

    static func == (a: Self, b: Self) -> Bool { a.value.utf8.elementsEqual(b.value.utf8) }

    func hash(into hasher: inout Hasher) {
        var copy = value
        copy.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}
