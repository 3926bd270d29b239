import { Migration } from '@mikro-orm/migrations';

export class Migration20261201151854_outbox_lease extends Migration {

  override name = 'Migration20261201151854_outbox_lease';

  override up(): void | Promise<void> {
    this.addSql(`create table [outbox_leases] ([name] nvarchar(100) not null, [holder] nvarchar(100) not null, [expires_at] bigint not null, constraint [outbox_leases_pkey] primary key ([name]));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`if object_id('[outbox_leases]', 'U') is not null drop table [outbox_leases];`);
  }

}
