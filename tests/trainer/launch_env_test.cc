// The launcher variables: torchrun's, Slurm's and their errors
// (trainer/dist/launch_env.h), through a fake environment.
#include "trainer/dist/launch_env.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace swerl::train::dist {
namespace {

Result<LaunchEnv> Read(const std::map<std::string, std::string>& vars) {
  return ReadLaunchEnv([&](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  });
}

TEST(LaunchEnv, NothingSetIsOneProcess) {
  auto env = Read({});
  ASSERT_TRUE(env) << env.error().message();
  EXPECT_FALSE(env->distributed());
  EXPECT_EQ(env->rank, 0);
  EXPECT_EQ(env->world, 1);
  EXPECT_EQ(Describe(*env), "a single process");
}

TEST(LaunchEnv, Torchrun) {
  auto env = Read({{"RANK", "3"},
                   {"WORLD_SIZE", "8"},
                   {"LOCAL_RANK", "1"},
                   {"LOCAL_WORLD_SIZE", "2"},
                   {"MASTER_ADDR", "10.1.2.3"},
                   {"MASTER_PORT", "29400"},
                   {"TORCHELASTIC_USE_AGENT_STORE", "True"},
                   {"TORCHELASTIC_RESTART_COUNT", "2"}});
  ASSERT_TRUE(env) << env.error().message();
  EXPECT_EQ(env->launcher, "torchrun");
  EXPECT_EQ(env->rank, 3);
  EXPECT_EQ(env->world, 8);
  EXPECT_EQ(env->local_rank, 1);
  EXPECT_EQ(env->local_world, 2);
  EXPECT_EQ(env->master_addr, "10.1.2.3");
  EXPECT_EQ(env->master_port, 29400);
  EXPECT_TRUE(env->agent_store);
  EXPECT_EQ(env->restart_count, 2);
  EXPECT_EQ(Describe(*env), "rank 3 of 8 (local 1 of 2; torchrun, master 10.1.2.3:29400)");
}

TEST(LaunchEnv, TorchrunWinsOverSlurm) {
  // torchrun started inside an srun step: its variables describe the ranks.
  auto env = Read({{"RANK", "1"},
                   {"WORLD_SIZE", "2"},
                   {"MASTER_ADDR", "h"},
                   {"MASTER_PORT", "1234"},
                   {"SLURM_PROCID", "0"},
                   {"SLURM_NTASKS", "1"}});
  ASSERT_TRUE(env);
  EXPECT_EQ(env->launcher, "torchrun");
  EXPECT_EQ(env->rank, 1);
  EXPECT_FALSE(env->agent_store);
}

TEST(LaunchEnv, SlurmTakesTheFirstNodeAndAPortFromTheJob) {
  auto env = Read({{"SLURM_PROCID", "5"},
                   {"SLURM_NTASKS", "16"},
                   {"SLURM_LOCALID", "1"},
                   {"SLURM_TASKS_PER_NODE", "4(x4)"},
                   {"SLURM_JOB_NODELIST", "gpu[007-010,017],cpu1"},
                   {"SLURM_JOB_ID", "123456"}});
  ASSERT_TRUE(env) << env.error().message();
  EXPECT_EQ(env->launcher, "slurm");
  EXPECT_EQ(env->rank, 5);
  EXPECT_EQ(env->world, 16);
  EXPECT_EQ(env->local_rank, 1);
  EXPECT_EQ(env->local_world, 4);
  EXPECT_EQ(env->master_addr, "gpu007");
  EXPECT_EQ(env->master_port, 29500 + 456);
  EXPECT_FALSE(env->agent_store);
}

TEST(LaunchEnv, SlurmHonoursMasterAddrAndPort) {
  auto env = Read({{"SLURM_PROCID", "0"},
                   {"SLURM_NTASKS", "2"},
                   {"SLURM_NTASKS_PER_NODE", "2"},
                   {"MASTER_ADDR", "login7"},
                   {"MASTER_PORT", "40000"}});
  ASSERT_TRUE(env) << env.error().message();
  EXPECT_EQ(env->master_addr, "login7");
  EXPECT_EQ(env->master_port, 40000);
  EXPECT_EQ(env->local_world, 2);
}

TEST(LaunchEnv, SlurmOneTaskIsStillAGroupOfOne) {
  auto env = Read({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "1"}, {"SLURM_JOB_NODELIST", "n1"}});
  ASSERT_TRUE(env);
  EXPECT_TRUE(env->distributed());
  EXPECT_EQ(env->world, 1);
  EXPECT_EQ(env->master_addr, "n1");
}

TEST(LaunchEnv, FirstSlurmHost) {
  const std::pair<const char*, const char*> cases[] = {
      {"node1", "node1"},
      {"node1,node2", "node1"},
      {"gpu[003-010,017]", "gpu003"},
      {"gpu[17,3]", "gpu17"},
      {"a[1-2]b,c", "a1b"},
      {"rack[01-02],gpu[1-4]", "rack01"},
      {"x-y.cluster", "x-y.cluster"},
  };
  for (const auto& [list, host] : cases) {
    auto got = FirstSlurmHost(list);
    ASSERT_TRUE(got) << list << ": " << got.error().message();
    EXPECT_EQ(*got, host) << list;
  }
  for (const char* bad : {"", "gpu[1-3", "gpu]1[", "[1-2]", "gpu[]", "gpu[a-b]", ",n1"}) {
    auto got = FirstSlurmHost(bad);
    EXPECT_FALSE(got) << "'" << bad << "' gave " << (got ? *got : "");
  }
}

TEST(LaunchEnv, BadValuesNameTheVariable) {
  const std::pair<std::map<std::string, std::string>, const char*> cases[] = {
      {{{"RANK", "0"}}, "WORLD_SIZE"},
      {{{"WORLD_SIZE", "2"}}, "RANK"},
      {{{"RANK", "2"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "1"}}, "RANK=2"},
      {{{"RANK", "x"}, {"WORLD_SIZE", "2"}}, "RANK='x'"},
      {{{"RANK", "0"}, {"WORLD_SIZE", "0"}}, "WORLD_SIZE=0"},
      {{{"RANK", "0"}, {"WORLD_SIZE", "2"}}, "MASTER_ADDR"},
      {{{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "70000"}},
       "MASTER_PORT=70000"},
      {{{"SLURM_PROCID", "4"}, {"SLURM_NTASKS", "4"}}, "SLURM_PROCID=4"},
      {{{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}}, "SLURM_JOB_NODELIST"},
      {{{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}, {"SLURM_JOB_NODELIST", "g[1"}}, "unbalanced"},
  };
  for (const auto& [vars, needle] : cases) {
    auto env = Read(vars);
    ASSERT_FALSE(env) << needle;
    EXPECT_NE(env.error().message().find(needle), std::string::npos)
        << needle << " not in: " << env.error().message();
  }
}

}  // namespace
}  // namespace swerl::train::dist
