#include "oracle_runner.h"

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>
#include <QTextStream>
#include <fcntl.h>
#include <sys/file.h>
#include <optional>
#include <unistd.h>

#include "test_support.h"

namespace rf::test {

namespace {

/// Holds an exclusive flock() on a file for its lifetime: parallel test processes
/// (ctest -j) install the oracle or fill one cache entry one at a time.
class FileLock {
public:
    explicit FileLock(const QString& path)
    {
        fd_ = ::open(QFile::encodeName(path).constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ >= 0) ::flock(fd_, LOCK_EX);
    }
    ~FileLock()
    {
        if (fd_ >= 0) {
            ::flock(fd_, LOCK_UN);
            ::close(fd_);
        }
    }
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;

private:
    int fd_ = -1;
};

/// Hash of what determines an installed oracle: package.json (the pinned
/// dependencies) and the oracle's own JavaScript.
QString oracleSourceHash(const QString& oracleDir)
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    QStringList files = {"package.json", "package-lock.json"};
    QDirIterator it(oracleDir, {"*.js"}, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        if (path.contains("/node_modules/") || path.contains("/testdata/")) continue;
        files << QDir(oracleDir).relativeFilePath(path);
    }
    files.sort();
    for (const QString& file : files) {
        QFile f(QDir(oracleDir).filePath(file));
        if (!f.open(QIODevice::ReadOnly)) continue;
        hash.addData(file.toUtf8());
        hash.addData(f.readAll());
    }
    return QString::fromLatin1(hash.result().toHex().left(16));
}

/// Copies a folder tree, leaving out node_modules (it is installed fresh).
bool copyTree(const QString& from, const QString& to)
{
    if (!QDir().mkpath(to)) return false;
    QDirIterator it(from, QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        const QString relative = QDir(from).relativeFilePath(path);
        if (relative.startsWith("node_modules") || relative.startsWith("build/")) continue;
        const QString target = QDir(to).filePath(relative);
        if (it.fileInfo().isDir()) {
            if (!QDir().mkpath(target)) return false;
        } else {
            QDir().mkpath(QFileInfo(target).absolutePath());
            QFile::remove(target);
            if (!QFile::copy(path, target)) return false;
            // ../shared is read-only in CI; the copy must be writable.
            QFile(target).setPermissions(QFile::permissions(target) | QFileDevice::WriteOwner);
        }
    }
    return true;
}

bool isInstalled(const QString& oracleDir)
{
    return QFileInfo::exists(QDir(oracleDir).filePath("tflite_oracle.js")) &&
           QFileInfo::exists(QDir(oracleDir).filePath("node_modules/@tensorflow/tfjs-tflite/package.json"));
}

QString collectOutput(QProcess& process)
{
    return QString::fromLocal8Bit(process.readAllStandardOutput()) + QString::fromLocal8Bit(process.readAllStandardError());
}

} // namespace

QString oracleCacheRoot() { return QStringLiteral(RF_BINARY_DIR) + "/oracle-cache"; }

QString fileSha256(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) return {};
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(&file);
    return QString::fromLatin1(hash.result().toHex());
}

OracleInstall installedOracle()
{
    OracleInstall install;
    const std::optional<std::string> shared = sharedDir();
    if (!shared) {
        install.skipReason = QString::fromStdString(sharedMissingMessage());
        return install;
    }
    const QString source = QString::fromStdString(*shared) + "/oracle";
    if (!QFileInfo::exists(source + "/tflite_oracle.js")) {
        install.skipReason = source + "/tflite_oracle.js not found";
        return install;
    }
    install.node = QStandardPaths::findExecutable("node");
    if (install.node.isEmpty()) install.node = QStandardPaths::findExecutable("nodejs");
    if (install.node.isEmpty()) {
        install.skipReason = "node is not installed (apt-get install nodejs npm); the TFLite oracle needs it";
        return install;
    }

    if (const QByteArray overridden = qgetenv("RF_ORACLE_DIR"); !overridden.isEmpty()) {
        const QString dir = QString::fromLocal8Bit(overridden);
        if (!isInstalled(dir)) {
            install.error = "RF_ORACLE_DIR=" + dir + " does not hold an installed oracle (tflite_oracle.js + node_modules)";
            return install;
        }
        install.script = QDir(dir).absoluteFilePath("tflite_oracle.js");
        return install;
    }

    const QString root = oracleCacheRoot();
    QDir().mkpath(root);
    const QString target = root + "/" + oracleSourceHash(source) + "/oracle";
    if (isInstalled(target)) {
        install.script = target + "/tflite_oracle.js";
        return install;
    }

    const QString npm = QStandardPaths::findExecutable("npm");
    if (npm.isEmpty()) {
        install.skipReason = "npm is not installed (apt-get install npm); needed once to install the TFLite oracle";
        return install;
    }
    FileLock lock(root + "/install.lock");
    if (isInstalled(target)) { // Another test process installed it while we waited.
        install.script = target + "/tflite_oracle.js";
        return install;
    }
    // Install into a scratch folder and rename it into place, so an interrupted
    // install never looks complete.
    const QString scratch = root + "/install-" + QString::number(::getpid());
    QDir(scratch).removeRecursively();
    if (!copyTree(source, scratch)) {
        install.error = "cannot copy " + source + " to " + scratch;
        return install;
    }
    QProcess process;
    process.setWorkingDirectory(scratch);
    process.setProcessChannelMode(QProcess::MergedChannels);
    const bool hasLock = QFileInfo::exists(scratch + "/package-lock.json");
    process.start(npm, hasLock ? QStringList{"ci", "--no-audit", "--no-fund"}
                               : QStringList{"install", "--no-audit", "--no-fund"});
    if (!process.waitForFinished(20 * 60 * 1000) || process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
        install.error = "npm install of the TFLite oracle in " + scratch + " failed (exit " +
                        QString::number(process.exitCode()) + "):\n" + QString::fromLocal8Bit(process.readAll());
        return install;
    }
    QDir().mkpath(QFileInfo(target).absolutePath());
    QDir(target).removeRecursively();
    if (!QDir().rename(scratch, target)) {
        install.error = "cannot move " + scratch + " to " + target;
        return install;
    }
    install.script = target + "/tflite_oracle.js";
    return install;
}

OracleRun runOracle(const OracleInstall& oracle, const QStringList& args, int timeoutMs)
{
    OracleRun run;
    QProcess process;
    process.setWorkingDirectory(QFileInfo(oracle.script).absolutePath());
    process.start(oracle.node, QStringList{oracle.script} + args);
    if (!process.waitForStarted()) {
        run.log = "cannot start " + oracle.node;
        return run;
    }
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        run.log = "oracle timed out after " + QString::number(timeoutMs / 1000) + " s: " + collectOutput(process);
        return run;
    }
    run.log = collectOutput(process);
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.ok = run.exitCode == 0;
    const int out = args.indexOf("-o");
    if (out >= 0 && out + 1 < args.size()) run.outDir = args[out + 1];
    return run;
}

OracleRun runOracleCached(const OracleInstall& oracle, const QString& model, const QStringList& inputs,
                          const QStringList& extraArgs, int timeoutMs)
{
    // The key: what the oracle sees (model and input bytes, arguments) and which
    // oracle build answers (the install folder name holds its source hash).
    QCryptographicHash key(QCryptographicHash::Sha256);
    key.addData(fileSha256(model).toLatin1());
    for (const QString& input : inputs) key.addData(fileSha256(input).toLatin1());
    key.addData(extraArgs.join('\x1f').toUtf8());
    key.addData(QFileInfo(oracle.script).absolutePath().toUtf8());
    const QString runs = oracleCacheRoot() + "/runs";
    QDir().mkpath(runs);
    const QString entry = runs + "/" + QString::fromLatin1(key.result().toHex().left(24));

    const auto readCached = [&]() -> std::optional<OracleRun> {
        QFile status(entry + "/status.txt");
        if (!status.open(QIODevice::ReadOnly)) return std::nullopt;
        OracleRun run;
        run.exitCode = QString::fromLatin1(status.readLine()).trimmed().toInt();
        run.ok = run.exitCode == 0;
        run.outDir = entry + "/out";
        QFile log(entry + "/log.txt");
        if (log.open(QIODevice::ReadOnly)) run.log = QString::fromUtf8(log.readAll());
        run.cached = true;
        return run;
    };
    if (auto cached = readCached()) return *cached;

    FileLock lock(entry + ".lock");
    if (auto cached = readCached()) return *cached;
    QDir(entry).removeRecursively();
    QDir().mkpath(entry);
    // The oracle runs in its own folder, so every path it gets must be absolute.
    QStringList args = {"run", QFileInfo(model).absoluteFilePath()};
    for (const QString& input : inputs) args << QFileInfo(input).absoluteFilePath();
    args << "-o" << entry + "/out" << extraArgs;
    OracleRun run = runOracle(oracle, args, timeoutMs);
    run.outDir = entry + "/out";
    if (run.exitCode == -1) return run; // Crashed or timed out: do not cache.
    QFile log(entry + "/log.txt");
    if (log.open(QIODevice::WriteOnly)) log.write(run.log.toUtf8());
    log.close();
    // status.txt is written last: its presence marks a complete entry.
    QFile status(entry + "/status.txt.tmp");
    if (status.open(QIODevice::WriteOnly)) {
        status.write(QByteArray::number(run.exitCode) + "\n");
        status.close();
        QFile::rename(entry + "/status.txt.tmp", entry + "/status.txt");
    }
    return run;
}

} // namespace rf::test
