/// The header of a `.npy` file: the Python dict literal NumPy writes,
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 28, 28), }`, parsed by its grammar
/// rather than searched: exactly the three keys, each once; a string, a boolean and a tuple of
/// non-negative integers. Anything else is refused with a message saying what.
struct NPYHeader: Equatable {
    var descr: String
    var fortranOrder: Bool
    var shape: [Int]

    init(descr: String, fortranOrder: Bool, shape: [Int]) {
        (self.descr, self.fortranOrder, self.shape) = (descr, fortranOrder, shape)
    }

    /// Parses `text`; the error is the problem, to be prefixed with the file's path.
    init(parsing text: String) throws(NPYHeaderError) {
        var scanner = Scanner(Array(text.utf8))
        var fields: [String: Value] = [:]
        try scanner.expect(UInt8(ascii: "{"))
        while true {
            scanner.skipSpace()
            if scanner.take(UInt8(ascii: "}")) { break }
            let key = try scanner.string()
            try scanner.expect(UInt8(ascii: ":"))
            guard fields[key] == nil else { throw NPYHeaderError("the .npy header names '\(key)' twice") }
            fields[key] = try scanner.value()
            scanner.skipSpace()
            if scanner.take(UInt8(ascii: "}")) { break }
            try scanner.expect(UInt8(ascii: ","))
        }
        scanner.skipSpace()
        guard scanner.atEnd else { throw NPYHeaderError("the .npy header has text after its closing brace") }
        guard Set(fields.keys) == ["descr", "fortran_order", "shape"] else {
            throw NPYHeaderError("the .npy header has keys \(fields.keys.sorted()), not exactly descr, fortran_order and shape")
        }
        guard case .string(let descr) = fields["descr"]!, case .bool(let fortran) = fields["fortran_order"]!,
              case .tuple(let shape) = fields["shape"]! else {
            throw NPYHeaderError("the .npy header's descr must be a string, fortran_order a boolean and shape a tuple")
        }
        self.init(descr: descr, fortranOrder: fortran, shape: shape)
    }

    /// Bytes of the array for elements of `elementSize` bytes, nil when it overflows.
    func byteCount(elementSize: Int) -> Int? {
        shape.reduce(Optional(elementSize)) { total, dimension in
            total.flatMap { total in
                let (product, overflow) = total.multipliedReportingOverflow(by: dimension)
                return overflow ? nil : product
            }
        }
    }

    private enum Value: Equatable {
        case string(String), bool(Bool), tuple([Int])
    }

    /// A cursor over the header's bytes.
    private struct Scanner {
        let bytes: [UInt8]
        var position = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { position == bytes.count }

        mutating func skipSpace() {
            while position < bytes.count, [0x20, 0x0A, 0x09, 0x0D].contains(bytes[position]) { position += 1 }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard position < bytes.count, bytes[position] == byte else { return false }
            position += 1
            return true
        }

        mutating func expect(_ byte: UInt8) throws(NPYHeaderError) {
            skipSpace()
            guard take(byte) else { throw NPYHeaderError("the .npy header is not a dict literal (expected '\(Character(Unicode.Scalar(byte)))' at byte \(position))") }
        }

        /// A quoted string without escapes (NumPy writes none).
        mutating func string() throws(NPYHeaderError) -> String {
            skipSpace()
            guard position < bytes.count, bytes[position] == 0x27 || bytes[position] == 0x22 else {
                throw NPYHeaderError("the .npy header is not a dict literal (expected a quoted string at byte \(position))")
            }
            let quote = bytes[position]
            let start = position + 1
            guard let end = bytes[start...].firstIndex(of: quote), !bytes[start..<end].contains(0x5C) else {
                throw NPYHeaderError("the .npy header has an unterminated string")
            }
            position = end + 1
            return String(decoding: bytes[start..<end], as: UTF8.self)
        }

        mutating func value() throws(NPYHeaderError) -> Value {
            skipSpace()
            guard position < bytes.count else { throw NPYHeaderError("the .npy header ends inside a value") }
            switch bytes[position] {
            case 0x27, 0x22: return .string(try string())
            case UInt8(ascii: "("): return .tuple(try tuple())
            default:
                for (word, value) in [("True", true), ("False", false)] where bytes[position...].starts(with: word.utf8) {
                    position += word.utf8.count
                    return .bool(value)
                }
                throw NPYHeaderError("the .npy header holds a value it cannot read at byte \(position)")
            }
        }

        /// `()`, `(5,)` or `(3, 28, 28)`: non-negative integers, a trailing comma allowed.
        mutating func tuple() throws(NPYHeaderError) -> [Int] {
            position += 1
            var values: [Int] = []
            while true {
                skipSpace()
                if take(UInt8(ascii: ")")) { return values }
                let start = position
                while position < bytes.count, (0x30...0x39).contains(bytes[position]) { position += 1 }
                guard position > start, let value = Int(String(decoding: bytes[start..<position], as: UTF8.self)) else {
                    throw NPYHeaderError("the .npy header's shape holds something other than a non-negative integer at byte \(start)")
                }
                values.append(value)
                skipSpace()
                if take(UInt8(ascii: ")")) { return values }
                guard take(UInt8(ascii: ",")) else { throw NPYHeaderError("the .npy header's shape is not a tuple of integers") }
            }
        }
    }
}

/// Why a `.npy` header was refused.
struct NPYHeaderError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
