import CDCGANHDF5
import Testing
@testable import DCGANData

/// Writes an HDF5 file through the C API, laid out the way h5py would lay it out; the file is
/// complete once `close()` has run. Each call holds the reader's lock, because the serial
/// HDF5 library must not be entered from two test threads at once.
final class HDF5Writer {
    let file: hid_t

    init(_ path: String) {
        #expect(HDF5Library.ready)
        file = HDF5Library.lock.withLock { H5Fcreate(path, 2 /* H5F_ACC_TRUNC */, 0, 0) }
        #expect(file >= 0)
    }

    func close() { HDF5Library.lock.withLock { #expect(H5Fclose(file) >= 0) } }

    /// Creates the group `name` (its parents must exist), as h5py's `create_group`.
    func group(_ name: String) {
        HDF5Library.lock.lock()
        defer { HDF5Library.lock.unlock() }
        let group = H5Gcreate2(file, name, 0, 0, 0)
        #expect(group >= 0)
        H5Gclose(group)
    }

    /// Writes `values` as an array of `shape` named `key`: uint8 by default; `elementBytes` 2
    /// makes it uint16 and `signed` makes it int8 (types the reader must refuse).
    func array(_ key: String, shape: [Int], values: [UInt8], elementBytes: Int = 1, signed: Bool = false) {
        #expect(values.count == shape.reduce(elementBytes, *), "\(values.count) bytes do not fill \(shape)")
        HDF5Library.lock.lock()
        defer { HDF5Library.lock.unlock() }
        let type = H5Tcopy(chdf5_std_u8le())
        defer { H5Tclose(type) }
        if elementBytes != 1 { #expect(H5Tset_size(type, elementBytes) >= 0) }
        if signed { #expect(H5Tset_sign(type, H5T_SGN_2) >= 0) }
        let space = H5Screate_simple(Int32(shape.count), shape.map { hsize_t($0) }, nil)
        defer { H5Sclose(space) }
        let dataset = H5Dcreate2(file, key, type, space, 0, 0, 0)
        #expect(dataset >= 0)
        defer { H5Dclose(dataset) }
        #expect(values.withUnsafeBytes { H5Dwrite(dataset, type, 0, 0, 0, $0.baseAddress) } >= 0)
    }

    /// Sets a scalar string attribute on `key`: variable-length as h5py writes `attrs[name] =
    /// "..."`, or fixed-length, NUL-terminated, as the HDF5 image tools (H5IM) write.
    func stringAttribute(_ name: String, _ value: String, on key: String, variableLength: Bool) {
        HDF5Library.lock.lock()
        defer { HDF5Library.lock.unlock() }
        let object = H5Oopen(file, key, 0)
        defer { H5Oclose(object) }
        let space = H5Screate(H5S_SCALAR)
        defer { H5Sclose(space) }
        // H5T_VARIABLE is (size_t)-1.
        let type = H5Tcreate(H5T_STRING, variableLength ? -1 : value.utf8.count + 1)
        defer { H5Tclose(type) }
        let attribute = H5Acreate2(object, name, type, space, 0, 0)
        #expect(attribute >= 0)
        defer { H5Aclose(attribute) }
        let status = value.withCString { text in
            if variableLength {
                var pointer: UnsafePointer<CChar>? = text
                return H5Awrite(attribute, type, &pointer)
            }
            return H5Awrite(attribute, type, text)
        }
        #expect(status >= 0)
    }
}

/// An interleaved H x W x 3 image, `colour` everywhere except `border` rows at the top and
/// bottom, which are white (a centre crop must cut them off).
func borderedImage(height: Int, width: Int, border: Int, colour: [UInt8]) -> [UInt8] {
    (0..<height).flatMap { y in
        (0..<width).flatMap { _ in y < border || y >= height - border ? [255, 255, 255] : colour }
    }
}
