import { Migration } from '@mikro-orm/migrations';

export class Migration20261201120704_lifecycle extends Migration {

  override name = 'Migration20261201120704_lifecycle';

  override up(): void | Promise<void> {
    this.addSql(`alter table "platforms" add "version" int not null default 1, add "deleted_at" timestamptz null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "platforms" drop column "version", drop column "deleted_at";`);
  }

}
