#pragma once
// Runs the reference TFLite runtime (../shared/oracle, TFLite + XNNPACK compiled
// to WebAssembly, under Node) from tests. The oracle is copied out of ../shared
// (which may be read-only) and `npm install`ed once into the build tree
// (<build>/oracle-cache/<hash of its sources>/oracle); oracle results are cached
// there too, keyed by the model's and inputs' SHA-256 and the arguments, so
// reruns do not pay for Node again.

#include <QString>
#include <QStringList>

namespace rf::test {

/// Where an installed oracle is, or why there is none.
struct OracleInstall {
    /// Absolute path of tflite_oracle.js in the installed copy; empty when unavailable.
    QString script;
    /// The node executable.
    QString node;
    /// When `script` is empty and the test should be skipped (../shared or node/npm missing).
    QString skipReason;
    /// When `script` is empty because installing failed (the test should fail).
    QString error;
};

/// Installs the oracle into the build tree's cache if needed (serialized with a
/// lock file, so parallel tests do it once) and returns it. RF_ORACLE_DIR may name
/// an already installed oracle folder to use instead.
OracleInstall installedOracle();

/// The cache folder under the build tree (<build>/oracle-cache).
QString oracleCacheRoot();

/// The result of one oracle invocation.
struct OracleRun {
    /// The oracle exited with 0.
    bool ok = false;
    int exitCode = -1;
    /// Its output folder (output_<i>.bin, intermediates/, outputs.json) when ok.
    QString outDir;
    /// stdout + stderr of the run.
    QString log;
    /// True when the result came from the cache.
    bool cached = false;
};

/// Runs `node tflite_oracle.js run MODEL INPUT... -o DIR ARGS...`, or returns the
/// cached result of an identical earlier run (failures are cached too).
OracleRun runOracleCached(const OracleInstall& oracle, const QString& model, const QStringList& inputs,
                          const QStringList& extraArgs, int timeoutMs = 15 * 60 * 1000);

/// Runs the oracle once without caching (e.g. for timing), output in `outDir`.
OracleRun runOracle(const OracleInstall& oracle, const QStringList& args, int timeoutMs = 15 * 60 * 1000);

/// SHA-256 of a file's contents (hex); empty if unreadable.
QString fileSha256(const QString& path);

} // namespace rf::test
