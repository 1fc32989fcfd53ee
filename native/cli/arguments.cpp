#include "cli/arguments.hpp"

#include "cli/usage.hpp"

namespace chatlab::cli {

bool Arguments::next() {
  if (++index_ >= argc_) return false;
  name_ = argv_[index_];
  inline_value_.reset();
  // Only a long option splits on '=': "-x=1" and a positional "a=b" stay whole.
  if (const auto equals = name_.find('=');
      name_.rfind("--", 0) == 0 && equals != std::string::npos) {
    inline_value_ = name_.substr(equals + 1);
    name_.resize(equals);
  }
  return true;
}

std::string Arguments::value() {
  if (inline_value_) return *inline_value_;
  if (index_ + 1 >= argc_) throw UsageError("missing value for " + name_);
  return argv_[++index_];
}

}  // namespace chatlab::cli
