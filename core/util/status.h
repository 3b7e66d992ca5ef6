#pragma once
// Errors as values. Every fallible core function returns a Status or a Result<T>;
// the message is meant for the user, so it names the file, the op (index and
// type) and the tensor involved wherever they are known.

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace rf {

/// The outcome of an operation that yields no value: success, or an error with a
/// human-readable message.
class [[nodiscard]] Status {
public:
    /// A successful status.
    static Status ok() { return Status(); }
    /// A failed status carrying `message`, which must be non-empty.
    static Status error(std::string message) { return Status(std::move(message)); }

    bool isOk() const { return !message_.has_value(); }
    /// The error message; empty for a successful status.
    const std::string& message() const
    {
        static const std::string empty;
        return message_ ? *message_ : empty;
    }
    /// Returns a copy whose message is `prefix + ": " + message()`; successes are unchanged.
    Status withContext(const std::string& prefix) const
    {
        if (isOk()) return *this;
        return Status(prefix + ": " + *message_);
    }

private:
    Status() = default;
    explicit Status(std::string message) : message_(std::move(message)) {}
    std::optional<std::string> message_;
};

/// Either a value of type T or an error Status.
template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : state_(std::move(value)) {}
    Result(Status status) : state_(std::move(status)) {}

    bool isOk() const { return std::holds_alternative<T>(state_); }
    /// The error; a successful Status if this holds a value.
    Status status() const { return isOk() ? Status::ok() : std::get<Status>(state_); }
    const std::string& message() const
    {
        static const std::string empty;
        return isOk() ? empty : std::get<Status>(state_).message();
    }
    /// The value. Precondition: isOk().
    T& value() & { return std::get<T>(state_); }
    const T& value() const& { return std::get<T>(state_); }
    T&& value() && { return std::get<T>(std::move(state_)); }

private:
    std::variant<T, Status> state_;
};

} // namespace rf

/// Returns early from the enclosing function if `expr` (a Status) is an error.
#define RF_RETURN_IF_ERROR(expr)                  \
    do {                                          \
        ::rf::Status rf_status_ = (expr);         \
        if (!rf_status_.isOk()) return rf_status_; \
    } while (false)

#define RF_CONCAT_INNER(a, b) a##b
#define RF_CONCAT(a, b) RF_CONCAT_INNER(a, b)
/// Declares `lhs` from the value of a Result expression, or returns its error.
#define RF_ASSIGN_OR_RETURN(lhs, expr) RF_ASSIGN_OR_RETURN_IMPL(RF_CONCAT(rf_result_, __LINE__), lhs, expr)
#define RF_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
    auto tmp = (expr);                           \
    if (!tmp.isOk()) return tmp.status();        \
    lhs = std::move(tmp).value()
