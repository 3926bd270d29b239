import { Migration } from '@mikro-orm/migrations';

export class Migration20261201120706_lifecycle extends Migration {

  override name = 'Migration20261201120706_lifecycle';

  override up(): void | Promise<void> {
    this.addSql(`alter table "platforms" add "version" int not null default 1, add "deleted" boolean not null default false, add "changed_at" bigint not null default '0';`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "platforms" drop column "version", drop column "deleted", drop column "changed_at";`);
  }

}
