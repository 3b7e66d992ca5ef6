#include "inspector/job.h"

#include <QCoreApplication>
#include <QtConcurrent/QtConcurrentRun>

namespace rf::ui {

void JobContext::report(double fraction, const QString& text)
{
    if (sink_) sink_(fraction, text);
}

RunControl runControlFor(const JobContext& context)
{
    RunControl control;
    control.cancel = &context.cancelFlag();
    return control;
}

JobRunner::JobRunner(QObject* parent) : QObject(parent)
{
    connect(&watcher_, &QFutureWatcher<JobOutcome>::finished, this, &JobRunner::onFinished);
}

JobRunner::~JobRunner()
{
    if (running_) {
        cancel();
        watcher_.waitForFinished();
    }
    delete context_;
}

bool JobRunner::start(const QString& title, std::function<JobOutcome(JobContext&)> work)
{
    if (running_) return false;
    delete context_;
    context_ = new JobContext;
    title_ = title;
    running_ = true;
    lastProgress_.invalidate();
    // Progress crosses threads as a queued call; throttled so a fast job cannot flood
    // the UI thread's event queue.
    context_->sink_ = [this](double fraction, const QString& text) {
        {
            std::lock_guard lock(progressMutex_);
            if (lastProgress_.isValid() && lastProgress_.elapsed() < 50 && fraction < 1.0) return;
            lastProgress_.start();
        }
        QMetaObject::invokeMethod(this, [this, fraction, text] { emit progress(fraction, text); }, Qt::QueuedConnection);
    };
    emit started(title);
    JobContext* context = context_;
    watcher_.setFuture(QtConcurrent::run([work = std::move(work), context]() { return work(*context); }));
    return true;
}

void JobRunner::cancel()
{
    if (running_ && context_) context_->cancel_.store(true);
}

void JobRunner::onFinished()
{
    JobOutcome outcome = watcher_.result();
    const bool cancelled = context_ && context_->cancelled();
    running_ = false;
    if (cancelled) outcome.error = "cancelled";
    if (outcome.error.isEmpty() && outcome.apply) outcome.apply();
    emit finished(title_, outcome.error, cancelled);
}

void JobRunner::waitForFinished()
{
    while (running_) {
        watcher_.waitForFinished();
        // Deliver the watcher's finished signal (and queued progress) to run onFinished().
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    }
}

} // namespace rf::ui
