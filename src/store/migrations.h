/* migrations.h — SQL migrations carried inside the binary (generated at build time). */
#ifndef CALENDULA_STORE_MIGRATIONS_H
#define CALENDULA_STORE_MIGRATIONS_H

typedef struct store_migration {
    int version;
    const char *name;
    const char *sql;
} store_migration;

extern const store_migration store_sqlite_migrations[];
extern const int store_sqlite_migrations_count;
extern const store_migration store_postgres_migrations[];
extern const int store_postgres_migrations_count;

#endif
