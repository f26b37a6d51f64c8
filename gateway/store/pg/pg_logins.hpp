#pragma once
// The hub's shared logins (shared_login.hpp) in PostgreSQL: one row per facility in
// `platform_logins`, read and changed under a row lock inside the store's transaction, so two
// instances asking at once get one kLogIn and one kWait.

#include <string>

#include "gateway/store/pg/pg_ops.hpp"
#include "gateway/store/shared_login.hpp"

namespace ilp::gateway::store::pg {

SharedLogin login_begin(PgOps& ops, const std::string& instance, const LoginAsk& ask);
// A result for credentials that changed meanwhile is dropped; the lease ends if it is ours.
void login_done(PgOps& ops, const std::string& instance, const LoginDone& done);

}  // namespace ilp::gateway::store::pg
