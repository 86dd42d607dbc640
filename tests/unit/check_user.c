/* check_user.c - the Authorization header parser (flow-protocol.md §3.2). The real headers
 * captured from the Java SDK are checked by check_fixtures.c (a skip without them). */
#include <check.h>
#include "check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../src/flow/user.h"

static void parse(const char *h, struct flow_user *u, struct buf *b)
{
  ck_assert_int_eq(flow_user_parse(h, h ? strlen(h) : 0, u, b), OAC_OK);
}

static void expect(const struct flow_user *u, enum flow_user_field f, const char *want)
{
  if(!want) {
    ck_assert_msg(u->value[f] == NULL, "%s should be absent, is '%s'", flow_user_field_key(f),
                  u->value[f]);
    return;
  }
  ck_assert_msg(u->value[f] != NULL, "%s is absent", flow_user_field_key(f));
  ck_assert_str_eq(u->value[f], want);
  ck_assert_uint_eq(u->len[f], strlen(want));
}

/* The current serialization (all 17 keys), percent-encoded once as Flow sends it. */
START_TEST(test_full_shape)
{
  struct flow_user u;
  struct buf b;
  buf_init(&b);
  parse("ManyWhoTenantId%3Dt-1%26ManyWhoUserId%3Dmw-2%26ManyWhoToken%3DabcQ%253D%253D"
        "%26DirectoryId%3Ddir%26DirectoryName%3DDir%2520Name%26RoleId%3Dr1%26RoleName%3DAdmin"
        "%26PrimaryGroupId%3Dg1%26PrimaryGroupName%3DStaff%26Email%3Da%40b.c"
        "%26IdentityProvider%3Didp%26TenantName%3Dten%26Token%3Dtok%3Dwith%3Dequals"
        "%26Username%3Djdoe%26UserId%3Du-42%26FirstName%3DJane%26LastName%3DDoe", &u, &b);
  ck_assert(u.present);
  expect(&u, FU_MANYWHO_TENANT_ID, "t-1");
  expect(&u, FU_MANYWHO_TOKEN, "abcQ%3D%3D");      /* decoded once only */
  expect(&u, FU_DIRECTORY_NAME, "Dir%20Name");
  expect(&u, FU_ROLE_NAME, "Admin");
  expect(&u, FU_PRIMARY_GROUP_ID, "g1");
  expect(&u, FU_EMAIL, "a@b.c");
  expect(&u, FU_TOKEN, "tok=with=equals");          /* split on the first '=' */
  expect(&u, FU_USER_ID, "u-42");
  expect(&u, FU_FIRST_NAME, "Jane");
  expect(&u, FU_LAST_NAME, "Doe");
  ck_assert(!flow_user_is_public(&u));
  buf_free(&b);
}
END_TEST

/* The older (v1 Java) serialization: no RoleId/RoleName/PrimaryGroup*; keys in any case. */
START_TEST(test_v1_shape_missing_keys_any_case)
{
  struct flow_user u;
  struct buf b;
  buf_init(&b);
  parse("manywhotenantid%3Dt%26USERID%3Duser-1%26token%3Dxyz%26email%3D%26unknownkey%3Dq",
        &u, &b);
  expect(&u, FU_USER_ID, "user-1");
  expect(&u, FU_TOKEN, "xyz");
  expect(&u, FU_EMAIL, "");                          /* empty values are legal */
  expect(&u, FU_ROLE_ID, NULL);
  expect(&u, FU_PRIMARY_GROUP_ID, NULL);
  buf_free(&b);
}
END_TEST

START_TEST(test_absent_and_garbled)
{
  struct flow_user u;
  struct buf b;
  buf_init(&b);
  parse(NULL, &u, &b);
  ck_assert(!u.present);
  ck_assert(flow_user_is_public(&u));
  parse("Bearer abc.def", &u, &b);                   /* not an AuthenticatedWho */
  ck_assert(!u.present);
  ck_assert(flow_user_is_public(&u));
  parse("%%%26%3D%26=%26UserId", &u, &b);           /* junk: no crash, no user id */
  expect(&u, FU_USER_ID, NULL);
  parse("UserId=PUBLIC_USER&Token=NONE", &u, &b);   /* not encoded at all: still read */
  ck_assert(u.present);
  ck_assert(flow_user_is_public(&u));
  parse("UserId=u1&Token=NONE", &u, &b);
  ck_assert(flow_user_is_public(&u));
  parse("UserId=u1&Token=t", &u, &b);
  ck_assert(!flow_user_is_public(&u));
  buf_free(&b);
}
END_TEST

START_TEST(test_user_field_names)
{
  ck_assert_int_eq(flow_user_field_by_name("UserID"), FU_USER_ID);
  ck_assert_int_eq(flow_user_field_by_name("userid"), FU_USER_ID);
  ck_assert_int_eq(flow_user_field_by_name("LastName"), FU_LAST_NAME);
  ck_assert_int_eq(flow_user_field_by_name("primarygroupname"), FU_PRIMARY_GROUP_NAME);
  ck_assert_int_eq(flow_user_field_by_name("Token"), -1);   /* not a $User field */
  ck_assert_int_eq(flow_user_field_by_name("Shoe"), -1);
}
END_TEST

Suite *suite(void)
{
  Suite *s = suite_create("flow_auth");
  TCase *tc = tcase_create("header");
  tcase_add_test(tc, test_full_shape);
  tcase_add_test(tc, test_v1_shape_missing_keys_any_case);
  tcase_add_test(tc, test_absent_and_garbled);
  tcase_add_test(tc, test_user_field_names);
  suite_add_tcase(s, tc);
  return s;
}
