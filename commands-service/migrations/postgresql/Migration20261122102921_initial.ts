import { Migration } from '@mikro-orm/migrations';

export class Migration20261122102921_initial extends Migration {

  override name = 'Migration20261122102921_initial';

  override up(): void | Promise<void> {
    this.addSql(`create table "platforms" ("id" serial primary key, "external_id" int not null, "name" varchar(200) not null);`);
    this.addSql(`alter table "platforms" add constraint "platforms_external_id_unique" unique ("external_id");`);

    this.addSql(`create table "commands" ("id" serial primary key, "how_to" varchar(500) not null, "command_line" varchar(500) not null, "platform_id" int not null);`);
    this.addSql(`create index "commands_platform_id_index" on "commands" ("platform_id");`);

    this.addSql(`alter table "commands" add constraint "commands_platform_id_foreign" foreign key ("platform_id") references "platforms" ("id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "commands" drop constraint "commands_platform_id_foreign";`);

    this.addSql(`drop table if exists "platforms" cascade;`);
    this.addSql(`drop table if exists "commands" cascade;`);
  }

}
