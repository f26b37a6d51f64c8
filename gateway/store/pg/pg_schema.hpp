#pragma once
// The PostgreSQL store's schema, as versioned migrations (pg_migrations.hpp applies them). Never
// edit a released version; append one.

#include <vector>

#include "gateway/store/pg/pg_migrations.hpp"

namespace ilp::gateway::store::pg {

const std::vector<Migration>& store_migrations();

}  // namespace ilp::gateway::store::pg
