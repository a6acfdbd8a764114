import Foundation
import Testing
@testable import DCGANData
@Suite struct ScratchWebP {
    @Test func show() throws {
        for good in [try lossyWebP(smoothImage(width: 32, height: 24, channels: 3)), try WebPCodec.encode(smoothImage(width: 32, height: 24, channels: 3))] {
            for keep in [good.count / 2, good.count - 3, 40, 20] {
                var patched = Array(good.prefix(keep))
                for i in 0..<4 { patched[4 + i] = UInt8(truncatingIfNeeded: (keep - 8) >> (8 * i)) }
                print("MSG", keep, dataErrorMessage { _ = try WebPCodec.decode(bytes: patched, path: "p.webp") } ?? "ok")
            }
            var flipped = good; for i in stride(from: 30, to: good.count, by: 7) { flipped[i] ^= 0x55 }
            print("MSG flipped", (try? WebPCodec.decode(bytes: flipped, path: "f")) == nil ? "error" : "decoded")
        }
    }
}
