import Foundation

/// A directory tree of JPEG, PNG and WebP files (CelebA, anime faces, the paper's face set),
/// each centre-cropped to a square and resized as it is decoded.
///
/// Files are found by extension (`.jpg .jpeg .jpe .png .webp`, any case; other files such as
/// attribute lists are ignored) and decoded by content. When every image sits in a subfolder,
/// the first-level subfolder names are the classes (the torchvision `ImageFolder` convention).
public enum ImageFolderDataset {
    /// File extensions taken as images, lower-case.
    public static let extensions: Set<String> = ["jpg", "jpeg", "jpe", "png", "webp"]
    /// Files larger than this are not images this tool should read.
    public static let maxFileBytes = 64 << 20

    /// Decodes every image under `root` (in path order, on `Parallelism.threadCount`
    /// threads) to `channels` (1 or 3) x `imageSize` x `imageSize`. Unreadable files are
    /// left out and summarised in `skipped`; a tree without one usable image is an error.
    public static func load(root: String, imageSize: Int, channels: Int) throws -> (dataset: ImageDataset, skipped: SkippedImages?) {
        let files = try imageFiles(root: root)
        guard !files.isEmpty else {
            throw DataError(path: root, "holds no image files (.jpg, .jpeg, .jpe, .png or .webp)")
        }
        var decoder = SquareImageDecoder(imageSize: imageSize, channels: channels, source: root)
        let usable = try decoder.append(count: files.count) { index in
            let path = (root as NSString).appendingPathComponent(files[index])
            return try decodeImage(readFileBytes(path: path, maxBytes: maxFileBytes), path: path)
        }
        guard !usable.isEmpty else {
            throw DataError(path: root, "holds no usable image: all \(files.count) image files are unreadable, e.g. \(decoder.firstFailure ?? "")")
        }
        let (labels, classNames) = classes(of: usable.map { files[$0] })
        let dataset = ImageDataset(count: usable.count, channels: channels, height: imageSize, width: imageSize,
                                   pixels: decoder.pixels, labels: labels, classNames: classNames)
        return (dataset, decoder.skipped)
    }

    /// Paths of the image files under `root`, relative to it, sorted; hidden entries and
    /// anything but regular files (FIFOs, devices, sockets) skipped.
    static func imageFiles(root: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory) else { throw DataError(path: root, "not found") }
        guard isDirectory.boolValue else { throw DataError(path: root, "is not a directory of images") }
        guard let walker = FileManager.default.enumerator(atPath: root) else { throw DataError(path: root, "cannot list the directory") }
        var files: [String] = []
        while let relative = walker.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            if name.hasPrefix(".") {
                walker.skipDescendants()
                continue
            }
            // Only regular files (or links to them): reading a FIFO named x.png would wait forever.
            var info = stat()
            if extensions.contains((name as NSString).pathExtension.lowercased()),
               stat((root as NSString).appendingPathComponent(relative), &info) == 0, info.st_mode & S_IFMT == S_IFREG {
                files.append(relative)
            }
        }
        return files.sorted()
    }

    /// Labels from first-level subfolders when every file has one, else none.
    private static func classes(of files: [String]) -> ([Int]?, [String]?) {
        let folders = files.map { $0.split(separator: "/", maxSplits: 1) }
        guard folders.allSatisfy({ $0.count == 2 }) else { return (nil, nil) }
        let names = Set(folders.map { String($0[0]) }).sorted()
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        return (folders.map { index[String($0[0])]! }, names)
    }
}
