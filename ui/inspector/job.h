#pragma once
// Runs core work (loading, analysis, calibration, export) on a worker thread with
// progress and Cancel, so the UI thread only ever paints and applies finished results.

#include "runtime/observer.h"

#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QObject>
#include <QString>

#include <atomic>
#include <functional>
#include <mutex>

namespace rf::ui {

/// What a job's work function sees: the cancel flag and a thread-safe progress reporter.
class JobContext {
public:
    /// The flag the core's RunControl watches.
    const std::atomic<bool>& cancelFlag() const { return cancel_; }
    bool cancelled() const { return cancel_.load(); }
    /// Reports progress (0..1) with a short text; callable from the worker thread.
    void report(double fraction, const QString& text);

private:
    friend class JobRunner;
    std::atomic<bool> cancel_{false};
    std::function<void(double, const QString&)> sink_;
};

/// The outcome of a job's work: an error message, or a function to run on the UI
/// thread that installs the result.
struct JobOutcome {
    QString error;
    std::function<void()> apply;
};

/// One job at a time (a new job waits for the previous to be cancelled by the caller).
class JobRunner : public QObject {
    Q_OBJECT
public:
    explicit JobRunner(QObject* parent = nullptr);
    ~JobRunner() override;

    /// Starts `work` on a worker thread. Returns false (and does nothing) while another job runs.
    bool start(const QString& title, std::function<JobOutcome(JobContext&)> work);
    bool isRunning() const { return running_; }
    QString title() const { return title_; }
    /// Asks the running job to stop; it finishes with the error "cancelled".
    void cancel();
    /// Blocks until the running job finished and its result was applied (tests, shutdown).
    void waitForFinished();

signals:
    void started(const QString& title);
    /// Progress of the running job (delivered on the UI thread, at most ~20 per second).
    void progress(double fraction, const QString& text);
    /// The job ended: `error` is empty on success (its result is already applied).
    void finished(const QString& title, const QString& error, bool cancelled);

private:
    void onFinished();

    QFutureWatcher<JobOutcome> watcher_;
    JobContext* context_ = nullptr;
    QString title_;
    bool running_ = false;
    std::mutex progressMutex_;
    QElapsedTimer lastProgress_;
};

/// A RunControl wired to a job's cancel flag (progress per op is too fine to show).
RunControl runControlFor(const JobContext& context);

} // namespace rf::ui
