import { Migration } from '@mikro-orm/migrations';

export class Migration20261201151854_outbox_lease extends Migration {

  override name = 'Migration20261201151854_outbox_lease';

  override up(): void | Promise<void> {
    this.addSql(`create table "outbox_leases" ("name" varchar(100) not null, "holder" varchar(100) not null, "expires_at" bigint not null, primary key ("name"));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "outbox_leases" cascade;`);
  }

}
